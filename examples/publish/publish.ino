// publish: lesson 1-6 (ESP8266 发布 MQTT 消息). Every 3 seconds the board publishes
// "Hello World <n>" (n = 0, 1, 2 …) to the topic Taichi-Maker-Pub-<MAC>, at QoS 0: PubSubClient
// publishes at QoS 0 only. A Ticker counts the seconds; loop() publishes when it has counted 3.
//
// Against the lab: run `mqtt-lab --lan`, put the mqttServer line it prints in place of the one
// below, set ssid and password, upload, open the serial monitor at 115200 baud, and subscribe in
// the lab to the topic the board prints. Without a board, `mqtt-lab nodemcu --pty --sketch publish`
// (or `new esp --sketch publish` inside the lab) runs the same program on a virtual NodeMCU.
//
// 发布消息（第 1-6 课）：每 3 秒向主题 Taichi-Maker-Pub-<MAC> 发布 "Hello World <n>"（n 从 0 起），
// QoS 0 —— PubSubClient 只能以 QoS 0 发布。Ticker 每秒计一次数，loop() 数到 3 就发布。
// 在电脑上运行 `mqtt-lab --lan`，把它打印的 mqttServer 那一行替换下面那一行，填好 Wi-Fi，上传，
// 串口监视器设为 115200，再在实验室里订阅开发板打印的主题。没有开发板：
// `mqtt-lab nodemcu --pty --sketch publish`（或在实验室里 `new esp --sketch publish`）。

#include <ESP8266WiFi.h>
#include <PubSubClient.h>
#include <Ticker.h>

const char* ssid = "taichi-maker";        // your Wi-Fi 你的 Wi-Fi 名称
const char* password = "12345678";        // its password 密码
const char* mqttServer = "192.168.1.23";  // ← the line mqtt-lab --lan prints

Ticker ticker;
WiFiClient wifiClient;
PubSubClient mqttClient(wifiClient);

volatile int count = 0;  // seconds counted by the Ticker

void setup() {
  Serial.begin(115200);
  Serial.println();  // a clean line after the boot ROM's noise

  WiFi.mode(WIFI_STA);
  connectWifi();

  mqttClient.setServer(mqttServer, 1883);
  connectMQTTServer();

  ticker.attach(1, tickerCount);  // tickerCount() once a second
}

void loop() {
  if (mqttClient.connected()) {
    if (count >= 3) {  // every 3 seconds
      pubMQTTmsg();
      count = 0;
    }
    mqttClient.loop();  // keeps the heartbeat
  } else {
    connectMQTTServer();
  }
}

void tickerCount() {
  count++;
}

void connectMQTTServer() {
  String clientId = "esp8266-" + WiFi.macAddress();

  if (mqttClient.connect(clientId.c_str())) {
    Serial.println("MQTT Server Connected.");
    Serial.println("Server Address: ");
    Serial.println(mqttServer);
    Serial.println("ClientId:");
    Serial.println(clientId);
    count = 0;  // the first message 3 s after connecting
  } else {
    Serial.print("MQTT Server Connect Failed. Client State:");
    Serial.println(mqttClient.state());
    delay(5000);
  }
}

void pubMQTTmsg() {
  static int value = 0;  // Hello World 0, 1, 2 …

  // The MAC address in the topic keeps every reader's board on its own topic.
  String topicString = "Taichi-Maker-Pub-" + WiFi.macAddress();
  String messageString = "Hello World " + String(value++);

  // PubSubClient takes C strings, not String: hence c_str().
  if (mqttClient.publish(topicString.c_str(), messageString.c_str())) {
    Serial.print("Publish Topic: ");
    Serial.println(topicString);
    Serial.print("Publish message: ");
    Serial.println(messageString);
  } else {
    Serial.println("Message Publish Failed.");
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
