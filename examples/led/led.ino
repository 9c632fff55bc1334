// led: lesson A-3 (物联网平台控制 ESP8266). The platform's lamp: the board logs in as taichi,
// keeps its session (clean session 0) and subscribes to the command topic taichi/led_kz at QoS 1.
// A command whose first character is 1 switches the LED on, any other switches it off; after each
// one the board reports "LED ON" or "LED OFF" on taichi/led_zt. Its will, "offline" retained on
// taichi/led_yz, tells the platform when the board is gone.
//
// Against the lab: run `mqtt-lab --lan --auth taichi:tm8266` (or `--passwd FILE` with that line),
// put the mqttServer line it prints in place of the one below,
// set ssid and password, upload, open the serial monitor at 115200 baud, subscribe in the lab to
// taichi/# and publish 1 or 0 to taichi/led_kz. Without a board,
// `mqtt-lab nodemcu --pty --sketch led` (or `new esp --sketch led` inside the lab) runs the same
// program on a virtual NodeMCU.
//
// 平台控制灯（第 A-3 课）：以 taichi 登录，保留会话（清除会话 = 0），以 QoS 1 订阅控制主题
// taichi/led_kz。命令第一个字符是 1 就点亮 LED，否则熄灭；每条命令之后在 taichi/led_zt 报告
// "LED ON" 或 "LED OFF"。遗嘱是 taichi/led_yz 上的保留消息 "offline"，开发板掉线时告诉平台。
// 在电脑上运行 `mqtt-lab --lan --auth taichi:tm8266`，
// 把它打印的 mqttServer 那一行替换下面那一行，填好 Wi-Fi，上传，串口监视器设为 115200，在实验室里
// 订阅 taichi/#，向 taichi/led_kz 发布 1 或 0。没有开发板：`mqtt-lab nodemcu --pty --sketch led`
// （或在实验室里 `new esp --sketch led`）。

#include <ESP8266WiFi.h>
#include <PubSubClient.h>

const char* ssid = "taichi-maker";        // your Wi-Fi 你的 Wi-Fi 名称
const char* password = "12345678";        // its password 密码
const char* mqttServer = "192.168.1.23";  // ← the line mqtt-lab --lan prints

const char* mqttUserName = "taichi";  // MQTT user name 用户名
const char* mqttPassword = "tm8266";  // MQTT password 密码

const char* subTopic = "taichi/led_kz";    // commands 控制
const char* stateTopic = "taichi/led_zt";  // the LED's state 状态
const int subQoS = 1;
const bool cleanSession = false;

const char* willTopic = "taichi/led_yz";  // online or not 遗嘱
const char* willMsg = "offline";
const int willQos = 0;
const bool willRetain = true;

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
    mqttClient.loop();  // receives commands and keeps the heartbeat
  } else {
    connectMQTTServer();
  }
}

void connectMQTTServer() {
  String clientId = "esp8266-" + WiFi.macAddress();

  // id, user, password, will topic, will QoS, will retain, will message, clean session
  if (mqttClient.connect(clientId.c_str(), mqttUserName, mqttPassword, willTopic, willQos, willRetain, willMsg, cleanSession)) {
    Serial.println("MQTT Server Connected.");
    Serial.println("Server Address: ");
    Serial.println(mqttServer);
    Serial.println("ClientId:");
    Serial.println(clientId);
    subscribeTopic();
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
  for (unsigned int i = 0; i < length; i++) {
    Serial.print((char)payload[i]);
  }
  Serial.println("");
  Serial.print("Message Length(Bytes) ");
  Serial.println(length);

  bool on = (char)payload[0] == '1';
  digitalWrite(LED_BUILTIN, on ? LOW : HIGH);  // LOW = on
  // Publishing reuses PubSubClient's one buffer, so topic and payload are not read after this.
  pubLedState(on);
}

void pubLedState(bool on) {
  const char* message = on ? "LED ON" : "LED OFF";

  if (mqttClient.publish(stateTopic, message)) {
    Serial.print("Publish Topic: ");
    Serial.println(stateTopic);
    Serial.print("Publish message: ");
    Serial.println(message);
  } else {
    Serial.println("Message Publish Failed.");
  }
}

void subscribeTopic() {
  if (mqttClient.subscribe(subTopic, subQoS)) {
    Serial.print("Subscribe Topic: ");
    Serial.println(subTopic);
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
