// subscribe: lesson 1-8 (ESP8266 订阅 MQTT 主题). After every connect the board subscribes to
// Taichi-Maker-Sub-<MAC> at QoS 0 and prints each message it receives; a message whose first
// character is 1 switches the blue LED on, any other switches it off.
//
// Against the lab: run `mqtt-lab --lan`, put the mqttServer line it prints in place of the one
// below, set ssid and password, upload, open the serial monitor at 115200 baud, then publish 1 or 0
// in the lab to the topic the board prints. Without a board,
// `mqtt-lab nodemcu --pty --sketch subscribe` (or `new esp --sketch subscribe` inside the lab) runs
// the same program on a virtual NodeMCU.
//
// 订阅主题（第 1-8 课）：每次连上后以 QoS 0 订阅 Taichi-Maker-Sub-<MAC>，打印收到的每条消息；
// 消息第一个字符是 1 就点亮蓝色 LED，否则熄灭。在电脑上运行 `mqtt-lab --lan`，把它打印的
// mqttServer 那一行替换下面那一行，填好 Wi-Fi，上传，串口监视器设为 115200，再在实验室里向开发板
// 打印的主题发布 1 或 0。没有开发板：`mqtt-lab nodemcu --pty --sketch subscribe`
// （或在实验室里 `new esp --sketch subscribe`）。

#include <ESP8266WiFi.h>
#include <PubSubClient.h>

const char* ssid = "taichi-maker";        // your Wi-Fi 你的 Wi-Fi 名称
const char* password = "12345678";        // its password 密码
const char* mqttServer = "192.168.1.23";  // ← the line mqtt-lab --lan prints

WiFiClient wifiClient;
PubSubClient mqttClient(wifiClient);

void setup() {
  pinMode(LED_BUILTIN, OUTPUT);
  digitalWrite(LED_BUILTIN, HIGH);  // the LED is active-low: HIGH = off
  Serial.begin(115200);
  Serial.println();  // a clean line after the boot ROM's noise

  WiFi.mode(WIFI_STA);
  connectWifi();

  mqttClient.setServer(mqttServer, 1883);
  mqttClient.setCallback(receiveCallback);
  connectMQTTServer();
}

void loop() {
  if (mqttClient.connected()) {
    mqttClient.loop();  // receives messages and keeps the heartbeat
  } else {
    connectMQTTServer();
  }
}

void connectMQTTServer() {
  String clientId = "esp8266-" + WiFi.macAddress();

  if (mqttClient.connect(clientId.c_str())) {
    Serial.println("MQTT Server Connected.");
    Serial.println("Server Address: ");
    Serial.println(mqttServer);
    Serial.println("ClientId:");
    Serial.println(clientId);
    subscribeTopic();  // after every connect: a clean session starts with no subscriptions
  } else {
    Serial.print("MQTT Server Connect Failed. Client State:");
    Serial.println(mqttClient.state());
    delay(5000);
  }
}

void receiveCallback(char* topic, byte* payload, unsigned int length) {
  Serial.print("Message Received [");
  Serial.print(topic);
  Serial.print("] ");
  for (unsigned int i = 0; i < length; i++) {  // payload is not NUL-terminated: use length
    Serial.print((char)payload[i]);
  }
  Serial.println("");
  Serial.print("Message Length(Bytes) ");
  Serial.println(length);

  if ((char)payload[0] == '1') {
    digitalWrite(LED_BUILTIN, LOW);  // LOW = on
  } else {
    digitalWrite(LED_BUILTIN, HIGH);  // HIGH = off
  }
}

void subscribeTopic() {
  String topicString = "Taichi-Maker-Sub-" + WiFi.macAddress();

  // QoS 0: subscribe(topic) is subscribe(topic, 0). true only means the SUBSCRIBE was written;
  // PubSubClient never reads the SUBACK.
  if (mqttClient.subscribe(topicString.c_str())) {
    Serial.print("Subscribe Topic: ");
    Serial.println(topicString);
  } else {
    Serial.println("Subscribe Fail...");
  }
}

void connectWifi() {
  WiFi.begin(ssid, password);
  while (WiFi.status() != WL_CONNECTED) {
    delay(1000);
    Serial.print(".");
  }
  Serial.println("");
  Serial.println("WiFi Connected!");
  Serial.println("");
}
